import type { CoreRuntime } from '../core/core-runtime.js';
import { CofferError } from '../errors/coffer-error.js';
import { ErrorCode } from '../errors/error-code.js';
import { ResponseWrapper } from './response-wrapper.js';

/** The response wrapper of an unsealed runtime: its token store and the `cubbyhole/` mount's storage. */
export function responseWrapperOf(runtime: Pick<CoreRuntime, 'tokens' | 'router'>): ResponseWrapper {
  const cubbyhole = runtime.router.get('cubbyhole/');
  if (cubbyhole === undefined)
    throw new CofferError(ErrorCode.Internal, 'response wrapping needs the cubbyhole mount');
  return new ResponseWrapper(runtime.tokens, cubbyhole.storage);
}
