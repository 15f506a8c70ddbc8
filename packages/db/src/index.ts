export { assertDirectConnectionString, PooledConnectionStringError } from "./directConnection.js";
export { migrate, MIGRATIONS_DIR } from "./migrate.js";
