import { ApolloProvider } from "@apollo/client/react";
import { createRoot } from "react-dom/client";
import { App } from "./App.tsx";
import { createApollo, transportFromUrl } from "./apollo.ts";
import "./styles.css";

const client = createApollo(transportFromUrl());

createRoot(document.getElementById("root")!).render(
  <ApolloProvider client={client}>
    <App />
  </ApolloProvider>,
);
