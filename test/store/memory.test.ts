import { openStore } from '../../src/store/index.js';
import { runStoreContract } from './contract.js';

runStoreContract('memory', (time) => openStore({ backend: 'memory' }, time));
