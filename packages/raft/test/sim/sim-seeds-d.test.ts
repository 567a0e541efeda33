// Deterministic simulation, seeds 751..1000 (one of four files so the runner runs them in parallel).
import { seedRange } from './seed-range.js';

seedRange('simulation d', 751, 1000);
