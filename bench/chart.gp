# bench/run.sh runs this in bench/results/ on what bench-driver wrote:
# ratios.dat (one cluster per metric, one bar per init, as a ratio to
# ref-reaper) and chart.inc (the subtitle: date, form and noise).
load "chart.inc"
set terminal pngcairo size 1200,600 font "sans,11"
set output "chart.png"
set title "PID 1 cost relative to a minimal reference reaper (1 = the limit; lower is better)\n{/*0.85 ".subtitle."}"
set datafile missing "?"
set style data histograms
set style histogram clustered gap 1.5
set style fill solid 0.85 border -1
set boxwidth 0.9
set logscale y
# From 0.001: where the kernel reaps for it, a reaper's own CPU per orphan
# is a few thousandths of the reference's.
set yrange [0.001:100]
set ytics (0.001, 0.01, 0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 50, 100)
set ylabel "× ref-reaper (log scale)"
set grid ytics
set key top left horizontal
set arrow from graph 0, first 1 to graph 1, first 1 nohead lw 2 dt 2 lc rgb "black"
plot for [i=2:*] "ratios.dat" using i:xtic(1) title columnheader(i)
