import { claudeCode } from './claude-code.js';
import type { AgentAdapter } from './types.js';

export const AGENTS: Record<string, AgentAdapter> = {
  'claude-code': claudeCode,
  claude: claudeCode,
};
