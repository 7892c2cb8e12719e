// tsc does not copy the Peggy-generated JavaScript parser; put it beside the compiled sources.
import { cpSync, mkdirSync } from 'node:fs';
mkdirSync('dist/src/parser/generated', { recursive: true });
cpSync('src/parser/generated', 'dist/src/parser/generated', { recursive: true });
