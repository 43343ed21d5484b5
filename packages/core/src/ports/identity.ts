/** Who is calling, as established by the server's authenticator. */
export interface Identity {
  /** Stable user id: every per-user limit, key and event scope hangs on it. */
  userId: string;
  /** Session of the caller, when known. */
  sessionId?: string | undefined;
  /** Roles granted to the caller (e.g. `admin`). @default [] */
  roles: readonly string[];
}
