// Turns expected service failures into HTTP responses; everything else propagates.
import { ServiceError } from "#core/errors.ts";

export async function serviceErrorToResponse<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof ServiceError) {
      throw new Response(error.message, { status: error.status });
    }
    throw error;
  }
}
