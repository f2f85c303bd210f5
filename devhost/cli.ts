// `devhost start [--cwd DIR] [--port N] ...`: runs a Functions v4 Node app locally, like `func start`.
import { allEmulators, startDevhost, type DevhostOptions, type EmulatorName } from './devhost';

const usage = `usage: devhost start [options]

  --cwd DIR              the Functions app directory (default: current directory)
  --port N               HTTP port (default: local.settings.json Host.LocalHttpPort, else 7071)
  --settings FILE        settings file (default: local.settings.json, else local.settings.sample.json)
  --emulators LIST       all | none | comma list of ${allEmulators.join(', ')} (default: all)
  --cosmos-port N        Cosmos DB emulator port (default 8081)
  --azurite-port N       Azurite blob port; queue and table use the next two (default 10000)
  --servicebus-port N    Service Bus emulator AMQP port (default 5672)
  --durable-port N       Durable Functions engine RPC port (default 17071)
  --data-dir DIR         where emulators and timers keep state (default: <app>/.data)
  --no-seed              do not run devhost.json's seed module after start`;

export class UsageError extends Error {}

function intArg(name: string, value: string | undefined): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new UsageError(`${name} needs a port number, got "${value ?? ''}"`);
  return n;
}

export function parseArgs(argv: readonly string[]): DevhostOptions {
  const [command, ...rest] = argv;
  if (command !== 'start') throw new UsageError(command === undefined ? 'missing command' : `unknown command "${command}"`);
  const options: DevhostOptions = { appDir: process.cwd() };
  for (let i = 0; i < rest.length; i++) {
    const flag = rest[i];
    const value = rest[i + 1];
    const take = (): string => {
      if (value === undefined) throw new UsageError(`${flag ?? ''} needs a value`);
      i++;
      return value;
    };
    switch (flag) {
      case '--cwd':
      case '--script-root':
        options.appDir = take();
        break;
      case '--port':
        options.port = intArg(flag, take());
        break;
      case '--settings':
        options.settingsFile = take();
        break;
      case '--emulators': {
        const list = take();
        const names = list === 'all' ? [...allEmulators] : list === 'none' ? [] : list.split(',').map((s) => s.trim());
        const unknown = names.filter((n) => !allEmulators.includes(n as EmulatorName));
        if (unknown.length > 0) throw new UsageError(`unknown emulator(s): ${unknown.join(', ')}`);
        options.emulators = names as EmulatorName[];
        break;
      }
      case '--cosmos-port':
        options.cosmosPort = intArg(flag, take());
        break;
      case '--azurite-port': {
        const blob = intArg(flag, take());
        options.azuritePorts = { blob, queue: blob + 1, table: blob + 2 };
        break;
      }
      case '--servicebus-port':
        options.serviceBusPort = intArg(flag, take());
        break;
      case '--durable-port':
        options.durablePort = intArg(flag, take());
        break;
      case '--data-dir':
        options.dataDir = take();
        break;
      case '--no-seed':
        options.seed = false;
        break;
      default:
        throw new UsageError(`unknown option "${flag ?? ''}"`);
    }
  }
  return options;
}

export function main(argv: readonly string[]): void {
  if (argv.includes('--help') || argv.includes('-h') || argv[0] === 'help') {
    process.stdout.write(`${usage}\n`);
    process.exit(0);
  }
  let options: DevhostOptions;
  try {
    options = parseArgs(argv);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n\n${usage}\n`);
    process.exit(2);
  }
  startDevhost(options).then(
    (devhost) => {
      let signals = 0;
      const shutdown = (): void => {
        signals++;
        if (signals > 1) process.exit(130);
        process.stdout.write('devhost: stopping...\n');
        devhost.stop().then(
          () => process.exit(0),
          (err: unknown) => {
            process.stderr.write(`devhost: ${(err as Error).message}\n`);
            process.exit(1);
          },
        );
      };
      process.on('SIGINT', shutdown);
      process.on('SIGTERM', shutdown);
    },
    (err: unknown) => {
      process.stderr.write(`devhost: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}
