// Keyset pagination: rows are ordered by (sort key, id); a cursor is the last row's pair. Pure, so the
// shells (http/cursor.ts) can name a page without reaching into store/.
export interface PageRequest {
  limit: number;
  after: { key: string; id: string } | null;
}

export interface Page<T> {
  items: T[];
  /** The (sort key, id) of the last item when more rows follow, else null. */
  next: { key: string; id: string } | null;
}

/** Rows were fetched with LIMIT limit + 1: the extra one says whether another page exists. */
export function toPage<T>(rows: T[], limit: number, keyOf: (row: T) => { key: string; id: string }): Page<T> {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return { items, next: rows.length > limit && last ? keyOf(last) : null };
}
