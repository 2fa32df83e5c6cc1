import type { EnvSpec } from './read-env.ts'

/**
 * The variable of every process `bun run start` may run several of on one
 * port (checkout, gateway, worker): the id of its port group, drawn once per
 * run. Set, the process shares its port with the processes of the same
 * service and group only (`serve({ portGroup })` in @flash/http); blank, it
 * has the port to itself.
 *
 * @example
 * const env = readEnv(Bun.env, { PORT: { kind: 'int', default: 3003 }, ...portGroupVars })
 * serve(app, { ..., portGroup: env.REUSE_PORT_GROUP })
 */
export const portGroupVars = {
  REUSE_PORT_GROUP: { kind: 'string', default: '' },
} as const satisfies EnvSpec
