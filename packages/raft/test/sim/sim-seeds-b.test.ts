// Deterministic simulation, seeds 251..500 (one of four files so the runner runs them in parallel).
import { seedRange } from './seed-range.js';

seedRange('simulation b', 251, 500);
