/** Inputs that do not fit the module's entry (wrong count or type); reported as `invalid_input`. */
export class InvalidInputError extends Error {
  override readonly name = "InvalidInputError";
}
