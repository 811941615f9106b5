/** All timestamps are UTC ISO-8601 strings with milliseconds, so they sort as text. */
export function iso(d: Date | number): string {
  return new Date(d).toISOString();
}

const UNITS: Record<string, number> = {
  ms: 1,
  s: 1000,
  sec: 1000,
  m: 60_000,
  min: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/** Parses `90s`, `15m`, `2h`, `3d`, `1w` (or a bare number of minutes). Returns milliseconds or undefined. */
export function parseDuration(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|sec|m|min|h|d|w)?\s*$/.exec(text);
  if (!m) return undefined;
  const n = Number(m[1]);
  return Math.round(n * (UNITS[m[2] ?? 'm'] ?? 60_000));
}

/** `--since` accepts a duration (`2h`, meaning that long ago) or a date/time. Returns an ISO string. */
export function parseSince(text: string, now: Date): string | undefined {
  const ms = parseDuration(text);
  if (ms !== undefined) return iso(now.getTime() - ms);
  const t = Date.parse(text);
  if (Number.isNaN(t)) return undefined;
  return iso(t);
}

/** Short, human form of an ISO time relative to now: `14:02` today, else `2026-11-20 14:02` (UTC). */
export function shortTime(isoText: string, now: Date): string {
  const d = new Date(isoText);
  const hm = isoText.slice(11, 16);
  if (d.toISOString().slice(0, 10) === now.toISOString().slice(0, 10)) return `${hm} UTC`;
  return `${isoText.slice(0, 10)} ${hm} UTC`;
}

export function ago(isoText: string, now: Date): string {
  const s = Math.max(0, Math.round((now.getTime() - Date.parse(isoText)) / 1000));
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.floor(s / 60)}m ago`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ago`;
  return `${Math.floor(s / 86400)}d ago`;
}
