/** One event of a Server-Sent Events stream. */
export interface ParsedSseEvent {
  id?: string;
  event?: string;
  data: string;
}

/**
 * Splits a complete `text/event-stream` body into its events (comments and `retry:` lines
 * skipped; multi-line `data` joined with newlines). For tests that read a whole stream.
 */
export function parseSseStream(text: string): ParsedSseEvent[] {
  const events: ParsedSseEvent[] = [];
  for (const block of text.replace(/\r\n?/g, "\n").split("\n\n")) {
    const data: string[] = [];
    const event: Partial<ParsedSseEvent> = {};
    for (const line of block.split("\n")) {
      if (line === "" || line.startsWith(":")) continue;
      const colon = line.indexOf(":");
      const field = colon === -1 ? line : line.slice(0, colon);
      const value = colon === -1 ? "" : line.slice(colon + 1).replace(/^ /, "");
      if (field === "data") data.push(value);
      else if (field === "id") event.id = value;
      else if (field === "event") event.event = value;
    }
    if (data.length > 0) events.push({ ...event, data: data.join("\n") });
  }
  return events;
}
