// Column types the two drivers disagree on, normalised here and nowhere else.
import { customType } from "drizzle-orm/pg-core";

/** bytea: postgres-js hands back a Buffer, PGlite a Uint8Array; callers always get a plain Uint8Array. */
export const bytea = customType<{ data: Uint8Array; driverData: Uint8Array }>({
  dataType: () => "bytea",
  toDriver: (value) => value,
  fromDriver: (value) =>
    value instanceof Uint8Array && value.constructor === Uint8Array
      ? value
      : new Uint8Array(value.buffer, value.byteOffset, value.byteLength),
});
