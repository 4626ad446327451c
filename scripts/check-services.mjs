#!/usr/bin/env node
// Fails (exit 1) unless the PostgreSQL and Redis given as arguments answer within a few
// seconds. CI calls it so real-service tests can never pass by silently skipping.
import { Redis } from 'ioredis';
import pg from 'pg';

const [databaseUrl, redisUrl] = process.argv.slice(2);
if (!databaseUrl || !redisUrl) {
  console.error('usage: check-services.mjs <postgres-url> <redis-url>');
  process.exit(2);
}

const safe = (url) => {
  const u = new URL(url);
  return `${u.protocol}//${u.host}${u.pathname}`;
};

async function checkPostgres() {
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 5000 });
  await client.connect();
  const { rows } = await client.query('show server_version');
  await client.end();
  return `PostgreSQL ${rows[0].server_version}`;
}

async function checkRedis() {
  const redis = new Redis(redisUrl, {
    lazyConnect: true,
    connectTimeout: 5000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  redis.on('error', () => {});
  await redis.connect();
  const info = await redis.info('server');
  redis.disconnect();
  return `Redis ${/redis_version:(\S+)/.exec(info)?.[1] ?? '?'}`;
}

let failed = false;
for (const [name, url, check] of [
  ['TEST_DATABASE_URL', databaseUrl, checkPostgres],
  ['TEST_REDIS_URL', redisUrl, checkRedis],
]) {
  try {
    console.log(`${name} ${safe(url)}: ${await check()}`);
  } catch (error) {
    failed = true;
    console.error(`${name} ${safe(url)} is unreachable: ${error.message || error}`);
  }
}
process.exit(failed ? 1 : 0);
