/**
 * The services script's entry to src/engine/spark/localServer.ts: resolves the Spark server jars (cached) and
 * starts a detached Spark Connect server, printing its pid. Run with tsx from the repository root:
 *   tsx scripts/services/spark-server.ts install
 *   tsx scripts/services/spark-server.ts start --state DIR --port 15002 --token T --s3-endpoint URL
 */
import { parseArgs } from 'node:util';
import { sparkServerClasspath, startLocalSparkConnect } from '../../src/engine/spark/localServer.js';
import { connectProtoDir } from '../../src/engine/spark/connectProtos.js';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    state: { type: 'string' },
    port: { type: 'string', default: '15002' },
    token: { type: 'string' },
    'driver-memory': { type: 'string', default: '2g' },
    's3-endpoint': { type: 'string' },
  },
});
const log = (m: string) => process.stderr.write(`[services] ${m}\n`);

if (positionals[0] === 'install') {
  sparkServerClasspath(undefined, log);
  await connectProtoDir();
} else if (positionals[0] === 'start') {
  if (!values.state) throw new Error('--state is required');
  const server = await startLocalSparkConnect({
    stateDir: values.state,
    port: Number(values.port),
    token: values.token,
    driverMemory: values['driver-memory'],
    detached: true,
    s3: values['s3-endpoint']
      ? {
          endpoint: values['s3-endpoint'],
          accessKeyId: process.env.AWS_ACCESS_KEY_ID ?? 'test',
          secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY ?? 'test',
          region: process.env.AWS_REGION ?? 'us-east-1',
        }
      : undefined,
  });
  process.stdout.write(`${server.pid}\n`);
} else {
  process.stderr.write('usage: spark-server.ts install | start --state DIR [--port P] [--token T] [--s3-endpoint URL]\n');
  process.exit(2);
}
