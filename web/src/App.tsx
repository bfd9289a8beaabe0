import { useQuery } from "@apollo/client/react";
import { useEffect, useState } from "react";
import { ModelDocument } from "../../src/generated/graphql.ts";
import { LiveView } from "./LiveView.tsx";
import { ReplayView } from "./ReplayView.tsx";
import { useConnection } from "./status.ts";

type View = "live" | "replay";

const viewFromHash = (): View => (location.hash === "#replay" ? "replay" : "live");

export function App() {
  const [view, setView] = useState<View>(viewFromHash);
  const model = useQuery(ModelDocument);
  const connection = useConnection();
  useEffect(() => {
    const onHash = () => setView(viewFromHash());
    window.addEventListener("hashchange", onHash);
    return () => window.removeEventListener("hashchange", onHash);
  }, []);
  return (
    <div className="app">
      <header>
        <h1>
          sessionrank <span>live demo</span>
        </h1>
        <nav>
          <a href="#live" className={view === "live" ? "on" : ""}>
            Hotel search
          </a>
          <a href="#replay" className={view === "replay" ? "on" : ""}>
            Replay a real session
          </a>
        </nav>
        <div className="server">
          <span className={`dot ${connection === "disconnected" ? "off" : "on"}`} />
          {connection} · model {model.data?.model ?? "…"} ·{" "}
          <a href="/graphql" target="_blank" rel="noreferrer">
            GraphiQL
          </a>
        </div>
      </header>
      {view === "live" ? <LiveView /> : <ReplayView />}
      <footer>
        Real hotel lists and sessions from the trivago RecSys Challenge 2019 data (7–8 Nov 2018).
        Every click is a <code>trackEvent</code>; the list is the one the{" "}
        <code>recommendations</code> subscription pushes.
      </footer>
    </div>
  );
}
