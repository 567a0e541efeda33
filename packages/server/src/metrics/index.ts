export {
  Metrics,
  toVaultSummary,
  type BarrierOperation,
  type LeaseCountSource,
  type MetricsOptions,
  type RaftStatusSource,
  type SealStateSource,
  type VaultMetricsSummary,
} from './metrics.js';
export { instrumentBarrier, type InstrumentableStorage } from './instrument-barrier.js';
export { MetricsEndpoint, type MetricsAuthorizer, type MetricsEndpointOptions } from './metrics-endpoint.js';
export { metricsAuthorizer, type MetricsAuthorizerOptions } from './metrics-authorizer.js';
