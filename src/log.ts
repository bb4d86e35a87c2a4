// The process logger. Patients' data never reaches it: requests are logged by method, path (with
// booking tokens masked) and status; query strings and bodies are never logged.
import pino from "pino";

export function createLogger(level: string) {
  return pino({
    level,
    serializers: {
      req: (req: { method: string; url: string; id: string }) => ({ id: req.id, method: req.method, path: safePath(req.url) }),
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
    },
  });
}

/** The path without its query string, with the credential segment of patient links masked. */
export function safePath(url: string): string {
  const path = url.split("?")[0] ?? "";
  return path.replace(/^\/(o|api\/public\/offers)\/[^/]+/, "/$1/:token");
}
