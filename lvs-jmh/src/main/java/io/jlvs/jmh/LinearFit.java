package io.jlvs.jmh;

/**
 * An ordinary least-squares line {@code y = slope * x + intercept} through measured points, with its coefficient of
 * determination (R^2: 1 means the points lie on the line).
 *
 * <p>Immutable.
 *
 * @param slope the slope
 * @param intercept the value at x = 0
 * @param r2 the coefficient of determination, 1 when the points vary not at all and lie on the line
 */
record LinearFit(double slope, double intercept, double r2) {
    /**
     * Fits a line.
     *
     * @param x at least two distinct abscissae
     * @param y the same number of ordinates
     * @return the fit
     * @throws IllegalArgumentException if the arrays differ in length, hold fewer than two points, or every x is
     *     the same
     */
    static LinearFit of(final double[] x, final double[] y) {
        if (x.length != y.length || x.length < 2) {
            throw new IllegalArgumentException("points: " + x.length + " x and " + y.length + " y (expected: the "
                + "same number, at least 2)");
        }
        final int n = x.length;
        double mx = 0;
        double my = 0;
        for (int i = 0; i < n; i++) {
            mx += x[i];
            my += y[i];
        }
        mx /= n;
        my /= n;
        double sxx = 0;
        double sxy = 0;
        double syy = 0;
        for (int i = 0; i < n; i++) {
            sxx += (x[i] - mx) * (x[i] - mx);
            sxy += (x[i] - mx) * (y[i] - my);
            syy += (y[i] - my) * (y[i] - my);
        }
        if (sxx == 0) {
            throw new IllegalArgumentException("points: every x is " + mx + " (expected: at least two distinct)");
        }
        final double slope = sxy / sxx;
        final double intercept = my - slope * mx;
        double ssRes = 0;
        for (int i = 0; i < n; i++) {
            final double e = y[i] - (slope * x[i] + intercept);
            ssRes += e * e;
        }
        final double r2 = syy == 0 ? (ssRes == 0 ? 1 : 0) : 1 - ssRes / syy;
        return new LinearFit(slope, intercept, r2);
    }

    /**
     * The line's value.
     *
     * @param x the abscissa
     * @return {@code slope * x + intercept}
     */
    double at(final double x) {
        return slope * x + intercept;
    }
}
