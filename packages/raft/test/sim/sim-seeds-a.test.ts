// Deterministic simulation, seeds 1..250 (one of four files so the runner runs them in parallel).
import { seedRange } from './seed-range.js';

seedRange('simulation a', 1, 250);
