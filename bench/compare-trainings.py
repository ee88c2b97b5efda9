"""Old vs new models of two seasons' reports, training by training (same trained_for date): the best
validation loss, the held-out MAE and directional accuracy, gates passed. For the note on a change of the
default model backend: `python3 bench/compare-trainings.py OLD_REPORTS NEW_REPORTS`."""
import glob, json, statistics as st, sys
def load(root):
    out={}
    for team in ['red','blue']:
        rows=[]
        for f in sorted(glob.glob(f'{root}/{team}/training/v*.json')):
            d=json.load(open(f))
            h=d.get('history') or []
            vl=[x.get('val_loss') for x in h if x.get('val_loss') is not None]
            m=d.get('metrics') or {}
            rows.append(dict(v=d['version'],date=d.get('trained_for'),status=d.get('status'),backend=d.get('backend') or (d.get('engine') if isinstance(d.get('engine'),str) else None),best_val=min(vl) if vl else None,mae=m.get('mae'),da=m.get('directional_accuracy'),gate=(d.get('gate') or {}).get('passed'),epochs=len(h)))
        out[team]=rows
    return out
old=load(sys.argv[1]); new=load(sys.argv[2])
for team in ['red','blue']:
    o={r['date']:r for r in old[team]}; n={r['date']:r for r in new[team]}
    both=sorted(set(o)&set(n))
    print(f"{team}: old {len(old[team])} trainings ({old[team][0]['backend']}), new {len(new[team])} ({new[team][0]['backend']}); same dates {len(both)}")
    def agg(rows,k):
        v=[r[k] for r in rows if r[k] is not None]; return (st.mean(v) if v else float('nan'), len(v))
    for k in ['best_val','mae','da']:
        a=agg([o[d] for d in both],k); b=agg([n[d] for d in both],k)
        better=sum(1 for d in both if o[d][k] is not None and n[d][k] is not None and ((n[d][k]<=o[d][k]) if k!='da' else (n[d][k]>=o[d][k])))
        print(f"  {k:9s} old mean {a[0]:.5f}  new mean {b[0]:.5f}  new as good or better on {better}/{len(both)}")
    print("  gate passed: old", sum(1 for r in old[team] if r['gate']), "new", sum(1 for r in new[team] if r['gate']))
for team in ['red','blue']:
    a=[r['best_val'] for r in old[team] if r['best_val'] is not None]; b=[r['best_val'] for r in new[team] if r['best_val'] is not None]
    print(team,'all trainings: best val_loss mean old %.5f (n=%d) new %.5f (n=%d)'%(st.mean(a),len(a),st.mean(b),len(b)))
