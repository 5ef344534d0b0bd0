/**
 * Lab tier: the seed comparison report (buggy vs fixed notify.sh) rendered by headless Chromium
 * (Debian `chromium`). A screenshot must be written, and DOM queries run inside the browser must
 * find the lanes laid out, the legend, the markers, and the hover text working.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { renderComparisonReport } from '../../src/report/simulation.js';
import { runExample } from '../report/seed.js';
import { requireLab, type SkippableContext } from './lab.js';

const dir = mkdtempSync(path.join(tmpdir(), 'vrrplab-html-lab-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function requireChromium(ctx: SkippableContext): void {
  requireLab(ctx);
  if (spawnSync('sh', ['-c', 'command -v chromium'], { stdio: 'ignore' }).status === 0) return;
  const reason = 'chromium is missing (the lab setup installs the Debian package when root)';
  if (process.env.VRRPLAB_LAB === 'required') throw new Error(`lab tier required (VRRPLAB_LAB=required) but ${reason}`);
  console.warn(`\n!! LAB TEST SKIPPED: ${ctx.task?.name ?? 'html report'}\n!! reason: ${reason}\n`);
  ctx.skip(reason);
}

/** Headless Chromium on a file, nothing but the file: no sync, no updates, no background fetches. */
function chromium(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const profile = mkdtempSync(path.join(dir, 'profile-'));
  const result = spawnSync(
    'chromium',
    [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--hide-scrollbars',
      `--user-data-dir=${profile}`,
      '--window-size=1240,1100',
      ...args,
    ],
    { encoding: 'utf8', timeout: 90_000, maxBuffer: 64 * 1024 * 1024 },
  );
  rmSync(profile, { recursive: true, force: true });
  return { status: result.status, stdout: result.stdout ?? '', stderr: result.stderr ?? '' };
}

/** Runs in the page after the report's own script; writes what it found as JSON into the DOM. */
const PROBE = `<script>
(function(){
  var out={};
  var sections=document.querySelectorAll('section.timeline');
  out.sections=[].map.call(sections,function(s){
    var lanes=[].map.call(s.querySelectorAll('g.lane'),function(g){
      var r=g.getBoundingClientRect();
      return {id:g.getAttribute('data-lane'),top:r.top,width:r.width,height:r.height,
        states:[].map.call(g.querySelectorAll('[data-state]'),function(e){return e.getAttribute('data-state')})};
    });
    var kinds={};
    [].forEach.call(s.querySelectorAll('[data-marker-kind]'),function(m){var k=m.getAttribute('data-marker-kind');var r=m.getBoundingClientRect();if(r.width>0&&r.height>0)kinds[k]=(kinds[k]||0)+1;});
    return {title:s.getAttribute('data-title'),lanes:lanes,markers:kinds,priorityLines:s.querySelectorAll('path.pline').length};
  });
  out.legend=[].map.call(document.querySelectorAll('.legend [data-legend]'),function(li){return li.getAttribute('data-legend')});
  var legendBox=document.querySelector('.legend').getBoundingClientRect();out.legendVisible=legendBox.width>0&&legendBox.height>0;
  var span=document.querySelector('g.lane[data-lane="A/VI_1"] [data-state="MASTER"]');
  var r=span.getBoundingClientRect();
  span.dispatchEvent(new MouseEvent('mousemove',{bubbles:true,clientX:r.left+r.width/2,clientY:r.top+r.height/2}));
  var tip=document.getElementById('tip');out.tip={hidden:tip.hidden,text:tip.textContent};
  var pre=document.createElement('pre');pre.id='probe';pre.textContent=JSON.stringify(out);document.body.appendChild(pre);
})();
</script>`;

interface Probe {
  sections: { title: string; lanes: { id: string; top: number; width: number; height: number; states: string[] }[]; markers: Record<string, number>; priorityLines: number }[];
  legend: string[];
  legendVisible: boolean;
  tip: { hidden: boolean; text: string };
}

describe('the seed report in headless Chromium', () => {
  const html = renderComparisonReport(runExample('seed-buggy-keepalived-restart'), runExample('seed-fixed-keepalived-restart'), ['buggy notify.sh', 'fixed notify.sh']);
  const report = path.join(dir, 'seed-report.html');
  writeFileSync(report, html);

  it('renders to a screenshot PNG', (ctx) => {
    requireChromium(ctx);
    const shot = path.join(dir, 'seed-report.png');
    const run = chromium([`--screenshot=${shot}`, `file://${report}`]);
    expect(run.status, run.stderr).toBe(0);
    const png = readFileSync(shot);
    expect(png.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))).toBe(true);
    expect(png.readUInt32BE(16)).toBe(1240); // IHDR width
    expect(png.length).toBeGreaterThan(20_000); // a drawn page, not a blank one
  });

  it('lays out every lane, the legend and the markers, and shows hover text', (ctx) => {
    requireChromium(ctx);
    const probed = path.join(dir, 'seed-report-probe.html');
    writeFileSync(probed, html.replace('</body>', `${PROBE}\n</body>`));
    const run = chromium(['--dump-dom', `file://${probed}`]);
    expect(run.status, run.stderr).toBe(0);
    const json = /<pre id="probe">(.*?)<\/pre>/s.exec(run.stdout)?.[1];
    expect(json, 'probe output in the dumped DOM').toBeDefined();
    const probe = JSON.parse((json as string).replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&')) as Probe;

    expect(probe.sections.map((s) => s.title)).toEqual(['buggy notify.sh', 'fixed notify.sh']);
    for (const section of probe.sections) {
      expect(section.lanes.map((lane) => lane.id)).toEqual(['A/VI_1', 'B/VI_1', 'A/VI_2', 'B/VI_2']);
      for (const lane of section.lanes) {
        expect(lane.width).toBeGreaterThan(800);
        expect(lane.height).toBeGreaterThan(10);
        expect(lane.states).toContain('MASTER');
      }
      // Lanes are stacked top to bottom in order.
      const tops = section.lanes.map((lane) => lane.top);
      expect([...tops].sort((a, b) => a - b)).toEqual(tops);
      expect(section.priorityLines).toBe(4);
      expect(section.markers.event).toBe(4);
      expect(section.markers.notify).toBeGreaterThan(4);
    }
    expect(probe.sections[0].markers.finding).toBe(3);
    expect(probe.sections[1].markers.finding ?? 0).toBe(0);
    expect(probe.legendVisible).toBe(true);
    expect(probe.legend).toEqual(expect.arrayContaining(['MASTER', 'BACKUP', 'DOWN', 'vip-held', 'priority-A', 'priority-B', 'event', 'notify', 'finding']));
    expect(probe.tip.hidden).toBe(false);
    expect(probe.tip.text).toMatch(/^A\/VI_1 MASTER 3\.679375–12\.000 s/);
  });
});
