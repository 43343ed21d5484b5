import type { z } from "zod";
import type { ProblemDetail } from "../schemas/problem.js";

/** Turns zod issues into problem `details` naming each field by its dotted path. */
export function zodIssuesToDetails(error: z.ZodError): ProblemDetail[] {
  return error.issues.map((issue) => ({
    path: issue.path.length > 0 ? issue.path.map(String).join(".") : "(body)",
    message: issue.message,
    code: issue.code,
  }));
}
