"""Track the sd2-i family from d = 12 down to d = 5, print its events with the Morse index on
either side, and save a plot of the loss and the block eigenvalues (track_and_plot.png)."""
import spurious
from spurious.plotting import plot_branch

branch = spurious.track("sd2-i", d_from=12, d_to=5)
print(f"{'event':<12} {'d':>10}  {'block':<32} Morse index below -> above")
for e in spurious.event_rows(branch):
    print(f"{e['kind']:<12} {e['d']:>10.6f}  {e['label']:<32} {e.get('index_below', '')} -> {e.get('index_above', '')}")
plot_branch(branch).savefig("track_and_plot.png", dpi=120)
print("wrote track_and_plot.png")
