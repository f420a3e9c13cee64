/**
 * Address helpers shared by every module: parsing numeric literals without DNS, folding an address to the
 * 32-bit number that IPVS hashes, masking to a persistence granularity, and printing addresses the way
 * {@code inet_ntop} and ipvsadm print them.
 */
package io.jlvs.core.net;
