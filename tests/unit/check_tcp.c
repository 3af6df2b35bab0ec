/* placeholder: filled in by its owner */
typedef int xt_placeholder_check_tcp;
