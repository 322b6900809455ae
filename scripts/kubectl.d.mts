export function kubectlPath(): string;
