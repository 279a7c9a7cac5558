// HttpError: a message we refuse, with the status code that says why. Built in chapter 07.
//
// Every rule the parser enforces ends in one of these, so the server can answer the client with the
// right status (and then close: after a framing error nothing later on the connection can be trusted).

// #region http-error
export class HttpError extends Error {
  override name = "HttpError";
  constructor(
    /**
     * The status to answer with: 400 malformed, 413 body too large, 414 request line too long,
     * 431 header section too large, 501 unknown transfer coding, 505 unsupported version; 502 when the
     * message was a response (a gateway answers its client 502 when a backend speaks bad HTTP).
     */
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}
// #endregion
