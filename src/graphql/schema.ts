import { builder } from "./builder.ts";
import "./types/scalars.ts";
import "./queries.ts";
import "./mutations.ts";
import "./subscriptions.ts";
import "./catalog.ts";
import "./access-mutations.ts";

export const schema = builder.toSchema({ sortSchema: false });
