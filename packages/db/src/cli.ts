import { migrate } from "./migrate.js";

const databaseUrl = process.env.DATABASE_URL;
if (!databaseUrl) {
  console.error("DATABASE_URL is not set: point it at the Postgres database to migrate.");
  process.exit(2);
}
await migrate({ databaseUrl, log: (message) => console.log(message) });
