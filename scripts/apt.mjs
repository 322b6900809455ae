// Debian tools for the scripts: is a command there, and installing packages as root (apt-get, non-interactive).
import { execFileSync, spawnSync } from 'node:child_process';

export function have(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

/** apt-get update + install; output on stderr, so a script's stdout stays its own. */
export function aptInstall(packages) {
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const stdio = ['ignore', process.stderr, 'inherit'];
  execFileSync('apt-get', ['update', '-qq'], { stdio, env });
  execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...packages], { stdio, env });
}
