// A service: a queue of IM tasks with its distribution settings.
export type DistributionPolicy = 'longest-idle' | 'round-robin' | 'skills' | 'priority';

export interface SkillRequirement {
  readonly skill: string;
  readonly minLevel: number;
}

export interface AfterCallWork {
  readonly durationSeconds: number;
  /** Agents may extend ACW, each time by up to `maxExtensionSeconds`. */
  readonly extendable: boolean;
  readonly maxExtensionSeconds: number;
  /** Agents may end ACW before it runs out. */
  readonly canEndEarly: boolean;
}

export interface Service {
  readonly id: string;
  readonly name: string;
  /** The address customers reach the service at (e.g. support@contoso.example). */
  readonly address: string;
  readonly imEnabled: boolean;
  readonly distribution: {
    readonly policy: DistributionPolicy;
    /** With the skills policy: agents need every skill at or above its level. */
    readonly requiredSkills: readonly SkillRequirement[];
    readonly ronaTimeoutSeconds: number;
  };
  readonly afterCallWork: AfterCallWork;
  readonly maxQueueSize: number;
  readonly defaultPriority: number;
  /** The IM workflow new chats run (its current version at chat start); null: chats go straight to the queue. */
  readonly workflowId: string | null;
  /**
   * Website origins allowed to start chats with this service (`https://shop.contoso.example`, or
   * `https://*.contoso.example` for any subdomain); empty: no website may.
   */
  readonly allowedOrigins: readonly string[];
  readonly createdAt: string;
  readonly updatedAt: string;
}
