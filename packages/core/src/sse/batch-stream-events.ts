/** The `event:` of a streamed batch's per-request message (`data`: a `BatchResultEvent`). */
export const BATCH_RESULT_EVENT = "result";

/** The `event:` of a streamed batch's last message (`data`: a `BatchEndEvent`). */
export const BATCH_END_EVENT = "end";
