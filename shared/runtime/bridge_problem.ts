/** The bridge transport's error answers: `application/problem+json` (RFC 9457) with a `kind`. */

const titles: Record<number, string> = {
  401: "Unauthorized",
  404: "Not Found",
  405: "Method Not Allowed",
  413: "Content Too Large",
  422: "Unprocessable Content",
  500: "Internal Server Error",
  504: "Gateway Timeout",
};

/** A problem+json answer of `status`, naming its `kind`, with `detail` and any `extra` fields. */
export function problem(
  status: number,
  kind: string,
  detail: string,
  extra: Record<string, unknown> = {},
): Response {
  return new Response(
    JSON.stringify({
      type: "about:blank",
      title: titles[status] ?? "Error",
      status,
      kind,
      detail,
      ...extra,
    }),
    { status, headers: { "content-type": "application/problem+json" } },
  );
}
