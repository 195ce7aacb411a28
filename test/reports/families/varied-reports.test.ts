import { testCases } from './expect.js';
import { variedReports } from './varied-reports.js';

testCases(variedReports);
