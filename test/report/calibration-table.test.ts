import t from 'tap';
import { renderCalibrationTable } from '../../harness/report/calibration-table.js';

t.test('configured beside achieved, aligned', async (t) => {
  t.equal(
    renderCalibrationTable([
      { quantity: 'round trip (min)', configured: 60, achieved: 60.312, unit: 'ms' },
      { quantity: 'up loss', configured: 1, achieved: null, unit: '%' },
      { quantity: 'down rate', configured: 150, achieved: 149.6, unit: 'Mbit/s' },
    ]),
    ['quantity          configured  achieved  unit', 'round trip (min)        60.0      60.3  ms', 'up loss                 1.00         -  %', 'down rate                150       150  Mbit/s', ''].join('\n'),
  );
});
