// Deterministic simulation, seeds 501..750 (one of four files so the runner runs them in parallel).
import { seedRange } from './seed-range.js';

seedRange('simulation c', 501, 750);
