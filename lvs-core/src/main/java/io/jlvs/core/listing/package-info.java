/**
 * The listings of ipvsadm ({@code -Ln}, {@code --stats}, {@code --rate}, {@code --thresholds},
 * {@code --persistent-conn}, {@code -Lnc}, {@code --timeout}) rendered from immutable snapshots with ipvsadm's
 * column widths, number formatting and sort order. The first line names JLVS and its version where ipvsadm names
 * the kernel; every other line is what ipvsadm prints for the same state.
 */
package io.jlvs.core.listing;
