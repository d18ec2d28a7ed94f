// The API client's errors, apart from the client so that code which only needs to recognise
// them (the CLI's exit codes) does not load @kubernetes/client-node to do so.

export class KubeApiError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
    readonly path: string,
  ) {
    super(message);
  }
}

/** The API server could not be reached at all (refused, DNS, TLS, timeout). */
export class ClusterUnreachableError extends Error {}
