# Bar chart of the Duplex advantage per measure (bench/cmd/report -plot):
#   gnuplot -e "data='plot.dat'; out='plot.png'" bench/plot.gp
set terminal pngcairo size 1100,700 font "sans,10"
set output out
set style data histograms
set style fill solid 0.8 border -1
set boxwidth 0.7
set logscale y 2
set yrange [0.0625:32]
set ytics ("1/16" 0.0625, "1/8" 0.125, "1/4" 0.25, "1/2" 0.5, "1" 1, "2" 2, "4" 4, "8" 8, "16" 16, "32" 32)
set grid ytics
set ylabel "Duplex advantage over Node socket.io (x, > 1 = Duplex better)"
set xtics rotate by -35 left
set bmargin 13
set rmargin 14
set boxwidth 0.6
set title "Duplex vs socket.io 4.8 on Node: medians over rounds, each server on one core"
set arrow from graph 0, first 1 to graph 1, first 1 nohead lw 2 lc rgb "black"
plot data using 2:xtic(1) notitle lc rgb "#3a7bd5"
