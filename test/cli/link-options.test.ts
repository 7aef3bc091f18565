import t from 'tap';
import { linkConditionsFrom, wantsLab } from '../../harness/options/link-options.js';

t.test('only link options ask for the lab', async (t) => {
  t.equal(wantsLab({}), false);
  t.equal(wantsLab({ samples: 5, out: 'x.json', resultsDir: '/tmp', json: true, cc: 'bbr' } as never), false, 'run options are not link options');
  t.equal(wantsLab({ rtt: '60ms' }), true);
  t.equal(wantsLab({ profile: 'lan' }), true);
  t.equal(wantsLab({ outage: ['1s+1s'] }), true);
});

t.test('conditions come from the link options alone', async (t) => {
  const conditions = linkConditionsFrom({ rtt: '60ms', samples: 5 } as never);
  t.equal(conditions.up.delayMs, 30);
  t.equal(conditions.down.delayMs, 30);
});
