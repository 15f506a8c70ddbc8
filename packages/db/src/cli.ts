import { PooledConnectionStringError } from "./directConnection.js";
import { migrate } from "./migrate.js";

const databaseUrl = process.env.DATABASE_URL;
if (!databaseUrl) {
  console.error("DATABASE_URL is not set: point it at the Postgres database to migrate.");
  process.exit(2);
}
try {
  await migrate({ databaseUrl, log: (message) => console.log(message) });
} catch (error) {
  if (!(error instanceof PooledConnectionStringError)) throw error;
  console.error(error.message);
  process.exit(2);
}
