import type { SessionQuery } from "../../src/generated/graphql.ts";

type Session = NonNullable<SessionQuery["session"]>;

const SHORT: Record<string, string> = {
  ITEM_IMAGE: "image",
  ITEM_INFO: "info",
  ITEM_RATING: "rating",
  ITEM_DEALS: "deals",
  SEARCH_ITEM: "search",
  CLICKOUT: "clickout",
};

/** The session's accumulated state, as the `session` query returns it. */
export function SessionPanel({ session, loading }: { session: Session | null; loading: boolean }) {
  if (!session) return <p className="muted">{loading ? "Loading…" : "No state yet."}</p>;
  return (
    <div className="state" data-testid="session-state">
      <dl>
        <dt>session</dt>
        <dd className="mono">{session.sessionId}</dd>
        <dt>events</dt>
        <dd data-testid="session-steps">{session.steps}</dd>
        <dt>city</dt>
        <dd>{session.city ?? "–"}</dd>
        <dt>platform · device</dt>
        <dd>
          {session.platform ?? "–"} · {session.device ?? "–"}
        </dd>
        <dt>sort</dt>
        <dd>{session.sort ?? "–"}</dd>
        <dt>filters</dt>
        <dd>{session.filters.length > 0 ? session.filters.join(", ") : "–"}</dd>
        <dt>list shown</dt>
        <dd>{session.list.length} hotels</dd>
        <dt>lists pushed</dt>
        <dd>{session.publishedVersion}</dd>
        <dt>last event</dt>
        <dd>{session.lastEventAt ? new Date(session.lastEventAt).toLocaleTimeString() : "–"}</dd>
      </dl>
      <h4>Hotels touched</h4>
      {session.touchedItems.length === 0 ? (
        <p className="muted">None yet: use the buttons on a hotel.</p>
      ) : (
        <table className="touched">
          <thead>
            <tr>
              <th>hotel</th>
              <th>touches</th>
              <th>by type</th>
              <th>last step</th>
            </tr>
          </thead>
          <tbody>
            {session.touchedItems.map((t) => (
              <tr key={t.itemId}>
                <td className="mono">{t.itemId}</td>
                <td>{t.touches}</td>
                <td>
                  {t.byType
                    .filter((b) => b.count > 0)
                    .map((b) => `${SHORT[b.type] ?? b.type.toLowerCase()} ${b.count}`)
                    .join(", ")}
                </td>
                <td>{t.lastStep}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
