import json, os, statistics as st, math
import sys; new_dir, old_dir = sys.argv[1], sys.argv[2]
T = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571}
diffs = []
for f in sorted(os.listdir(new_dir)):
    n = json.load(open(os.path.join(new_dir, f))); o = json.load(open(os.path.join(old_dir, f)))
    d = n['metrics']['test']['accuracy'] - o['metrics']['test']['accuracy']
    diffs.append(d)
    print(f"{n['student']:9} {n['recipe']} seed {n['seed']}: test {o['metrics']['test']['accuracy']:.3f} (old build {o['code']}) -> {n['metrics']['test']['accuracy']:.3f} (new {n['code']}); dev {o['metrics']['dev']['accuracy']:.3f} -> {n['metrics']['dev']['accuracy']:.3f}; training {o['training_seconds']:.0f} s -> {n['training_seconds']:.0f} s")
if len(diffs) > 1:
    m, s = st.mean(diffs), st.stdev(diffs); h = T[len(diffs) - 1] * s / math.sqrt(len(diffs))
    print(f"new - old test accuracy over {len(diffs)} cells: {m*100:+.2f} points, 95% interval [{(m-h)*100:+.2f}, {(m+h)*100:+.2f}]")
