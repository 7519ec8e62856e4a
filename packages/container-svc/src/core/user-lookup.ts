import { EngineError } from '@flotilla/proto';

/** The identity a container's process runs as. */
export interface ExecUser {
  uid: number;
  gid: number;
  /** Supplementary groups, the primary one excluded. */
  additionalGids: number[];
}

interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
}

interface GroupEntry {
  name: string;
  gid: number;
  members: string[];
}

/** A user or group from the spec; a numeric one always means an id, never a name. */
interface IdArg {
  name: string;
  id: number | undefined;
}

// runc caps ids at int32 for 32-bit compatibility.
const maxId = 2 ** 31 - 1;
const numeric = /^[+-]?\d+$/;
const root: IdArg = { name: 'root', id: 0 };

/**
 * Resolves a container's `User` (`''`, `user`, `uid`, `user:group`, `uid:gid`, ...) against the
 * contents of its /etc/passwd and /etc/group (undefined when absent), following runc's
 * GetExecUser as dockerd does: names must exist, numeric ids need not. `groupAdd` (`--group-add`)
 * adds groups by name or id.
 */
export function resolveUser(user: string | undefined, passwd: string | undefined, group: string | undefined, groupAdd: readonly string[] = []): ExecUser {
  const [userPart, groupPart] = splitUserSpec(user ?? '');
  const userArg = parseIdArg(userPart) ?? root;
  const groupArg = parseIdArg(groupPart);
  const account = findAccount(userArg, parsePasswd(passwd));
  const groups = parseGroup(group);
  const added = groupAdd.map((name) => findGid(parseIdArg(name) ?? root, groups));
  if (groupArg) {
    // As in runc, an explicit group replaces the passwd one and brings no supplementary groups.
    return { uid: account.uid, gid: findGid(groupArg, groups), additionalGids: added };
  }
  const memberOf =
    account.name === ''
      ? []
      : groups.filter((g) => g.members.includes(account.name) && g.gid !== account.gid).map((g) => g.gid);
  return { uid: account.uid, gid: account.gid, additionalGids: [...memberOf, ...added] };
}

function splitUserSpec(spec: string): [string, string] {
  const colon = spec.indexOf(':');
  return colon === -1 ? [spec, ''] : [spec.slice(0, colon), spec.slice(colon + 1)];
}

function parseIdArg(arg: string): IdArg | undefined {
  if (arg === '') return undefined;
  if (!numeric.test(arg)) return { name: arg, id: undefined };
  const id = Number(arg);
  if (id < 0 || id > maxId) throw EngineError.invalid(`uids and gids must be in range 0-${maxId}`);
  return { name: arg, id };
}

function matches(arg: IdArg, name: string, id: number): boolean {
  return arg.id === undefined ? arg.name === name : arg.id === id;
}

/** The first matching passwd entry; an unlisted numeric uid runs with gid 0 in `/`. */
function findAccount(arg: IdArg, entries: PasswdEntry[]): PasswdEntry {
  const entry = entries.find((e) => matches(arg, e.name, e.uid));
  if (entry) return entry;
  if (arg.id === undefined) throw EngineError.invalid(`unable to find user ${arg.name}: no matching entries in passwd file`);
  return { name: '', uid: arg.id, gid: 0 };
}

function findGid(arg: IdArg, groups: GroupEntry[]): number {
  const entry = groups.find((g) => matches(arg, g.name, g.gid));
  if (entry) return entry.gid;
  if (arg.id === undefined) throw EngineError.invalid(`unable to find group ${arg.name}: no matching entries in group file`);
  return arg.id;
}

function parsePasswd(file: string | undefined): PasswdEntry[] {
  // name:password:uid:gid:gecos:home:shell (runc sets HOME from it inside the container)
  return recordsOf(file).map((fields) => ({
    name: fields[0] ?? '',
    uid: idField(fields[2]),
    gid: idField(fields[3]),
  }));
}

function parseGroup(file: string | undefined): GroupEntry[] {
  // name:password:gid:member,member,...
  return recordsOf(file).map((fields) => ({
    name: fields[0] ?? '',
    gid: idField(fields[2]),
    members: fields[3] ? fields[3].split(',') : [],
  }));
}

function recordsOf(file: string | undefined): string[][] {
  return (file ?? '')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => line.split(':'));
}

/** Like runc, a malformed id field reads as 0 rather than rejecting the whole file. */
function idField(field: string | undefined): number {
  return field !== undefined && numeric.test(field) ? Number(field) : 0;
}
