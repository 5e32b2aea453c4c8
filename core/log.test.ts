import { describe, expect, it } from "vitest";
import { createLogger, type LogLevel } from "./log.ts";

function capture(minLevel: LogLevel) {
  const lines: Array<{ entry: Record<string, unknown>; level: LogLevel }> = [];
  const log = createLogger("test", minLevel, (line, level) =>
    lines.push({ entry: JSON.parse(line) as Record<string, unknown>, level }),
  );
  return { log, lines };
}

describe("createLogger", () => {
  it("writes one JSON object per line with level, scope and fields", () => {
    const { log, lines } = capture("debug");
    log.info("offer registered", { offerId: "o-1" });
    expect(lines).toHaveLength(1);
    expect(lines[0]?.level).toBe("info");
    expect(lines[0]?.entry).toMatchObject({
      level: "info",
      scope: "test",
      message: "offer registered",
      offerId: "o-1",
    });
    expect(Date.parse(String(lines[0]?.entry.time))).not.toBeNaN();
  });

  it("drops lines below the minimum level", () => {
    const { log, lines } = capture("warn");
    log.debug("d");
    log.info("i");
    log.warn("w");
    log.error("e");
    expect(lines.map((line) => line.level)).toEqual(["warn", "error"]);
  });

  it("writes bigints as strings and errors as their name and message only", () => {
    const { log, lines } = capture("debug");
    log.error("failed", { block: 2n ** 70n, error: new RangeError("out of range") });
    expect(lines[0]?.entry.block).toBe("1180591620717411303424");
    expect(lines[0]?.entry.error).toEqual({ name: "RangeError", message: "out of range" });
  });

  it("names a child logger's scope after its parent", () => {
    const { log, lines } = capture("debug");
    log.child("worker").child("job").info("started");
    expect(lines[0]?.entry.scope).toBe("test.worker.job");
  });
});
