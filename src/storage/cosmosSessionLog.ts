// Reporting records of finished tasks in the `sessions` container, partitioned by service.
import type { Container } from '@azure/cosmos';
import type { SessionLog, SessionRecord } from '../distribution/ports';

export class CosmosSessionLog implements SessionLog {
  readonly #container: Container;

  constructor(container: Container) {
    this.#container = container;
  }

  async record(session: SessionRecord): Promise<void> {
    await this.#container.items.upsert({ ...session });
  }

  async averageHandleSeconds(serviceId: string, latest: number): Promise<number | undefined> {
    const { resources } = await this.#container.items
      .query<{ handleSeconds: number }>(
        {
          query: 'SELECT TOP @latest s.handleSeconds FROM s WHERE s.serviceId = @serviceId AND IS_NUMBER(s.handleSeconds) ORDER BY s.endedAt DESC',
          parameters: [
            { name: '@serviceId', value: serviceId },
            { name: '@latest', value: latest },
          ],
        },
        { partitionKey: serviceId },
      )
      .fetchAll();
    if (resources.length === 0) return undefined;
    return resources.reduce((sum, r) => sum + r.handleSeconds, 0) / resources.length;
  }
}
