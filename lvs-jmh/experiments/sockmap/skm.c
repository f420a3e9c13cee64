/*
 * Measurement prototype, not part of JLVS: a one-thread TCP proxy whose data path is the kernel's
 * sockmap (an sk_skb verdict program redirecting every received skb to the peer socket's egress).
 * It answers one question for issue #14: does an in-kernel, socket-level redirect beat splice(2)
 * enough to reach the targets on this machine?  run.sh measures it beside direct and
 * HAProxy; BENCHMARKS.md has the numbers.
 *
 * Design facts it relies on (Linux 5.13+ for BPF_SK_SKB_VERDICT, 6.x tested):
 *  - one SOCKHASH keyed by the receiving socket's cookie (SO_COOKIE), valued by its peer; both
 *    sockets are members, so both get the verdict program;
 *  - when the peer is missing the program returns SK_PASS, so bytes stay readable in order;
 *  - bytes that arrived before a socket joined the map sit in its receive queue until the next
 *    data_ready; setsockopt(SO_RCVLOWAT, 1) calls tcp_data_ready() and flushes them at once.
 * What it does not do (and a real relay would have to): wait for the peer's psock backlog to
 * drain before shutdown(SHUT_WR) on end of stream, count bytes, bound memory per connection,
 * non-blocking connect.  Build: gcc -O2 -D_GNU_SOURCE -o skm skm.c; run: skm LISTEN_PORT BACKEND_PORT
 */
#include <linux/bpf.h>
#include <sys/syscall.h>
#include <sys/socket.h>
#include <sys/epoll.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
static int bpf(int cmd, union bpf_attr *a){ return syscall(__NR_bpf, cmd, a, sizeof(*a)); }
#define INSN(code,dst,src,off,imm) ((struct bpf_insn){code,dst,src,off,imm})
int main(int argc,char**argv){
  int lport=atoi(argv[1]); int bport=atoi(argv[2]); int attach = argc>3? atoi(argv[3]) : BPF_SK_SKB_VERDICT;
  union bpf_attr a; memset(&a,0,sizeof a);
  a.map_type=BPF_MAP_TYPE_SOCKHASH; a.key_size=8; a.value_size=8; a.max_entries=65536;
  int map=bpf(BPF_MAP_CREATE,&a); if(map<0){perror("map");return 1;}
  struct bpf_insn p[]={
    INSN(BPF_ALU64|BPF_MOV|BPF_X,6,1,0,0),
    INSN(BPF_JMP|BPF_CALL,0,0,0,BPF_FUNC_get_socket_cookie),
    INSN(BPF_STX|BPF_MEM|BPF_DW,10,0,-8,0),
    INSN(BPF_ALU64|BPF_MOV|BPF_X,1,6,0,0),
    INSN(BPF_LD|BPF_DW|BPF_IMM,2,BPF_PSEUDO_MAP_FD,0,map), INSN(0,0,0,0,0),
    INSN(BPF_ALU64|BPF_MOV|BPF_X,3,10,0,0),
    INSN(BPF_ALU64|BPF_ADD|BPF_K,3,0,0,-8),
    INSN(BPF_ALU64|BPF_MOV|BPF_K,4,0,0,0),
    INSN(BPF_JMP|BPF_CALL,0,0,0,BPF_FUNC_sk_redirect_hash),
    INSN(BPF_JMP|BPF_JNE|BPF_K,0,0,1,0),
    INSN(BPF_ALU64|BPF_MOV|BPF_K,0,0,0,1),
    INSN(BPF_JMP|BPF_EXIT,0,0,0,0)};
  char log[65536]; memset(&a,0,sizeof a);
  a.prog_type=BPF_PROG_TYPE_SK_SKB; a.insns=(long)p; a.insn_cnt=sizeof p/sizeof p[0]; a.license=(long)"GPL";
  a.log_buf=(long)log; a.log_size=sizeof log; a.log_level=1;
  int prog=bpf(BPF_PROG_LOAD,&a); if(prog<0){perror("prog");puts(log);return 1;}
  int parser=-1;
  if(attach==BPF_SK_SKB_STREAM_VERDICT){
    struct bpf_insn q[]={ INSN(BPF_LDX|BPF_MEM|BPF_W,0,1,0,0), INSN(BPF_JMP|BPF_EXIT,0,0,0,0)}; // r0 = skb->len
    memset(&a,0,sizeof a); a.prog_type=BPF_PROG_TYPE_SK_SKB; a.insns=(long)q; a.insn_cnt=2; a.license=(long)"GPL";
    parser=bpf(BPF_PROG_LOAD,&a); if(parser<0){perror("parser");return 1;}
    memset(&a,0,sizeof a); a.target_fd=map; a.attach_bpf_fd=parser; a.attach_type=BPF_SK_SKB_STREAM_PARSER;
    if(bpf(BPF_PROG_ATTACH,&a)<0){perror("attach parser");return 1;}
  }
  memset(&a,0,sizeof a); a.target_fd=map; a.attach_bpf_fd=prog; a.attach_type=attach;
  if(bpf(BPF_PROG_ATTACH,&a)<0){perror("attach");return 1;}
  int ls=socket(AF_INET,SOCK_STREAM,0); int one=1; setsockopt(ls,SOL_SOCKET,SO_REUSEADDR,&one,4);
  struct sockaddr_in sa={.sin_family=AF_INET,.sin_port=htons(lport),.sin_addr.s_addr=htonl(0x7f000001)};
  if(bind(ls,(void*)&sa,sizeof sa)<0){perror("bind");return 1;} listen(ls,4096);
  int ep=epoll_create1(0); struct epoll_event ev={.events=EPOLLIN,.data.u64=(unsigned)ls}; epoll_ctl(ep,EPOLL_CTL_ADD,ls,&ev);
  static int peer[70000]; fprintf(stderr,"ready\n");
  for(;;){ struct epoll_event evs[64]; int n=epoll_wait(ep,evs,64,-1);
    for(int i=0;i<n;i++){ int fd=evs[i].data.u64;
      if(fd==ls){ int c=accept(ls,0,0); if(c<0) continue;
        int b=socket(AF_INET,SOCK_STREAM,0); struct sockaddr_in ba=sa; ba.sin_port=htons(bport);
        if(connect(b,(void*)&ba,sizeof ba)<0){perror("connect");close(c);close(b);continue;}
        setsockopt(c,IPPROTO_TCP,TCP_NODELAY,&one,4); setsockopt(b,IPPROTO_TCP,TCP_NODELAY,&one,4);
        unsigned long long kc,kb; socklen_t l=8; getsockopt(c,SOL_SOCKET,SO_COOKIE,&kc,&l); l=8; getsockopt(b,SOL_SOCKET,SO_COOKIE,&kb,&l);
        unsigned long long vb=b, vc=c;
        memset(&a,0,sizeof a); a.map_fd=map; a.key=(long)&kc; a.value=(long)&vb; a.flags=BPF_ANY; if(bpf(BPF_MAP_UPDATE_ELEM,&a)<0){close(c);close(b);continue;}
        memset(&a,0,sizeof a); a.map_fd=map; a.key=(long)&kb; a.value=(long)&vc; a.flags=BPF_ANY; if(bpf(BPF_MAP_UPDATE_ELEM,&a)<0){close(c);close(b);continue;}
        peer[c]=b; peer[b]=c; setsockopt(c,SOL_SOCKET,SO_RCVLOWAT,&one,4); setsockopt(b,SOL_SOCKET,SO_RCVLOWAT,&one,4);
        struct epoll_event e1={.events=EPOLLRDHUP,.data.u64=(unsigned)c}; epoll_ctl(ep,EPOLL_CTL_ADD,c,&e1);
        struct epoll_event e2={.events=EPOLLRDHUP,.data.u64=(unsigned)b}; epoll_ctl(ep,EPOLL_CTL_ADD,b,&e2);
      } else { int o=peer[fd]; if(o<0) continue;
        if(evs[i].events & (EPOLLHUP|EPOLLERR)) { close(fd); close(o); peer[fd]=peer[o]=-1; continue; }
        // RDHUP: half close. crude: shut the other side's write; close both when both done
        shutdown(o,SHUT_WR); epoll_ctl(ep,EPOLL_CTL_DEL,fd,0);
        static char done[70000]; done[fd]=1; if(done[o]){ close(fd); close(o); done[fd]=done[o]=0; peer[fd]=peer[o]=-1; }
      } } }
}
