/**
 * The partitions worker `index` (1-based) of `count` consumes as its own:
 * every `count`-th one from `index - 1`, so each partition has exactly one
 * home worker; with more workers than partitions, worker i shares partition
 * (i - 1) mod partitions with the others that land on it (a consumer group
 * takes any number of consumers), so no worker sits idle.
 *
 * @example
 * homePartitions(2, 2, 4) // [1, 3]
 * homePartitions(3, 3, 2) // [0]: workers 1 and 3 share partition 0
 * homePartitions(1, 1, 4) // [0, 1, 2, 3]
 */
export function homePartitions(index: number, count: number, partitions: number): number[] {
  if (count > partitions) return [(index - 1) % partitions]
  const home: number[] = []
  for (let partition = index - 1; partition < partitions; partition += count) home.push(partition)
  return home
}
