import { builder } from "./builder.ts";
import "./types/scalars.ts";
import "./queries.ts";
import "./mutations.ts";
import "./subscriptions.ts";

export const schema = builder.toSchema({ sortSchema: false });
