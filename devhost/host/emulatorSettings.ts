// Local settings point the app at the emulators on their default ports (localhost:8081 for Cosmos
// DB, UseDevelopmentStorage=true for Azurite, sb://localhost with UseDevelopmentEmulator=true for
// Service Bus). When devhost starts an emulator on another port (--cosmos-port and the like), the
// settings that point at its default endpoint are pointed at the port it really listens on, so the
// app never talks to another devhost's emulators. Settings naming other endpoints are left alone.

export interface EmulatorPorts {
  readonly cosmos: number;
  readonly serviceBus: number;
  readonly azurite: { readonly blob: number; readonly queue: number; readonly table: number };
}

const localHost = String.raw`(localhost|127\.0\.0\.1)`;

/** The settings with every default emulator endpoint moved to the ports devhost uses. */
export function pointAtEmulators(values: Readonly<Record<string, string>>, ports: EmulatorPorts, defaults: EmulatorPorts, azuriteConnectionString: string): Record<string, string> {
  const moved = (value: string): string => {
    if (/^\s*UseDevelopmentStorage=true\s*;?\s*$/i.test(value)) return sameAzurite(ports, defaults) ? value : azuriteConnectionString;
    let next = value;
    for (const [from, to] of [
      [defaults.cosmos, ports.cosmos],
      [defaults.azurite.blob, ports.azurite.blob],
      [defaults.azurite.queue, ports.azurite.queue],
      [defaults.azurite.table, ports.azurite.table],
    ] as const) {
      if (from !== to) next = next.replace(new RegExp(String.raw`(https?://${localHost}):${from}(?=[/;]|$)`, 'gi'), `$1:${to}`);
    }
    if (/UseDevelopmentEmulator=true/i.test(next) && ports.serviceBus !== defaults.serviceBus) {
      next = next.replace(new RegExp(String.raw`(Endpoint=sb://${localHost})(:${defaults.serviceBus})?(?=[/;])`, 'i'), `$1:${ports.serviceBus}`);
    }
    return next;
  };
  return Object.fromEntries(Object.entries(values).map(([key, value]) => [key, moved(value)]));
}

function sameAzurite(a: EmulatorPorts, b: EmulatorPorts): boolean {
  return a.azurite.blob === b.azurite.blob && a.azurite.queue === b.azurite.queue && a.azurite.table === b.azurite.table;
}
