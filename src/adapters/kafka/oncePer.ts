/** Logs that repeat (kafkajs says the same thing every second while the brokers are away). */
/** `log`, but each distinct line at most once per `ms`. */
export function oncePer(ms: number, log: (line: string) => void): (line: string) => void {
  const said = new Map<string, number>();
  return (line) => {
    const now = Date.now();
    if (now - (said.get(line) ?? -Infinity) < ms) return;
    if (said.size > 100) said.clear();
    said.set(line, now);
    log(line);
  };
}
